# The action server: actions/ (rasa_sdk) and the bot/ domain engine it calls.
# Build from the repository root: docker build -f deploy/actions.Dockerfile .
FROM python:3.10-slim

# tzdata: the firm's business hours and SLA promises use zoneinfo (bot/handoff/sla.py).
RUN apt-get update && apt-get install -y --no-install-recommends tzdata && rm -rf /var/lib/apt/lists/* \
    && useradd --uid 1001 --create-home intake
COPY deploy/requirements-actions.txt requirements.txt /tmp/pins/
RUN pip install --no-cache-dir -r /tmp/pins/requirements-actions.txt -c /tmp/pins/requirements.txt \
    && rm -rf /tmp/pins

WORKDIR /app
COPY bot /app/bot
COPY actions /app/actions
# STATE_DIR keeps the handoff outbox (cases waiting for the queue): give it a volume.
RUN mkdir -p /app/var && chown 1001 /app/var
ENV PYTHONPATH=/app \
    STATE_DIR=/app/var \
    SANIC_HOST=0.0.0.0
USER 1001
EXPOSE 5055
CMD ["python", "-m", "rasa_sdk", "--actions", "actions", "--port", "5055"]
