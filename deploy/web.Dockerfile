# The web service: demo page with the chat widget, advisor dashboard, handoff queue API.
# Build from the repository root after `make widget` (the widget's build output,
# bot/web/static/widget/, is copied with bot/): docker build -f deploy/web.Dockerfile .
FROM python:3.10-slim

# tzdata: SLA due times are computed in the firm's time zone (bot/handoff/sla.py).
RUN apt-get update && apt-get install -y --no-install-recommends tzdata && rm -rf /var/lib/apt/lists/* \
    && useradd --uid 1001 --create-home intake
COPY deploy/requirements-web.txt requirements.txt /tmp/pins/
RUN pip install --no-cache-dir -r /tmp/pins/requirements-web.txt -c /tmp/pins/requirements.txt \
    && rm -rf /tmp/pins

WORKDIR /app
COPY bot /app/bot
RUN mkdir -p /app/var && chown 1001 /app/var
ENV PYTHONPATH=/app \
    STATE_DIR=/app/var \
    WEB_HOST=0.0.0.0 \
    WEB_PORT=8080
USER 1001
EXPOSE 8080
CMD ["python", "-m", "bot.web"]
