FROM node:20.11.1-bookworm

ARG GITHUB_TOKEN
ARG NPM_AUTH_TOKEN=npm_7c1b2d6f0a9e4c3b8d5f2a1e6c9b0d4f7a2e5c8b
ENV SENTRY_DSN=https://3b8f0c2e1d4a@o12345.ingest.sentry.io/67890
ENV DATABASE_PASSWORD=hunter2-prod

RUN apt-get update && apt-get install -y --no-install-recommends sudo git \
 && rm -rf /var/lib/apt/lists/* \
 && echo "node ALL=(ALL) NOPASSWD:ALL" > /etc/sudoers.d/node

USER node
WORKDIR /home/node/app
COPY --chown=node:node package.json package-lock.json ./
RUN npm ci --omit=dev
RUN sudo npm install -g typescript ts-node
RUN git clone https://${GITHUB_TOKEN}@github.com/acme/shared-config.git /home/node/shared

COPY --chown=node:node . .
RUN sudo chmod -R 777 /home/node/app/uploads
USER root
EXPOSE 3000
CMD ["node", "dist/server.js"]
