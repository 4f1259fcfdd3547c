FROM python:3.12.4-slim@sha256:2fba8e70a87bcc9f6edd20dda0a1d4adb32046d2acbca7361bc61da5a106a914
ENV PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY requirements.txt .
RUN pip install --require-hashes -r requirements.txt
COPY . .
USER 10001:10001
HEALTHCHECK CMD ["python", "-m", "app.health"]
ENTRYPOINT ["python", "-m", "app"]
