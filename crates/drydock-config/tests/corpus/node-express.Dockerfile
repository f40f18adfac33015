FROM node:18

# Create app directory
WORKDIR /usr/src/app

# Install app dependencies
COPY package*.json ./
RUN npm install
RUN npm install -g pm2

# Bundle app source
COPY . .

ENV NODE_ENV=production \
    PORT=8080
EXPOSE 8080
CMD [ "pm2-runtime", "server.js" ]
