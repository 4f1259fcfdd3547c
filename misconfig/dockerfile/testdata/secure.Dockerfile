# SECURE Dockerfile
FROM node:20-alpine AS builder    # Minimal base, pinned version
WORKDIR /app
COPY package*.json ./
RUN npm ci --production
COPY . .

FROM gcr.io/distroless/nodejs20  # Distroless for production
COPY --from=builder /app /app
USER nonroot:nonroot              # Non-root user
EXPOSE 8080
CMD ["server.js"]
