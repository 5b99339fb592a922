# The Rasa server: Rasa's official image plus the code our configuration names
# (config.yml: bot.nlu; credentials.yml: bot.channels; endpoints.yml: bot.stores).
# Build from the repository root: docker build -f deploy/rasa.Dockerfile .
# The trained model is not baked in: mount it at /app/models (docker-compose.yml does).
FROM rasa/rasa:3.6.21

USER root
COPY deploy/requirements-rasa.txt requirements.txt /tmp/pins/
RUN python -m pip install --no-cache-dir -r /tmp/pins/requirements-rasa.txt -c /tmp/pins/requirements.txt \
    && rm -rf /tmp/pins \
    && mkdir -p /app/var && chown 1001 /app/var

COPY bot /app/bot
COPY config.yml domain.yml endpoints.yml credentials.yml /app/

# Our package imports from /app; STATE_DIR holds the SQLite defaults when no URL is set.
ENV PYTHONPATH=/app \
    STATE_DIR=/app/var
USER 1001
EXPOSE 5005
# The image's entrypoint is `rasa`. docker-compose.yml adds --auth-token from the environment.
CMD ["run", "--enable-api", "--port", "5005", "--model", "/app/models", "--endpoints", "endpoints.yml", "--credentials", "credentials.yml"]
