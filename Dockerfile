# One image for every role: `learnloop start | ingress | worker | migrate`.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/package.json ./package.json
# DATA_DIR (and the directory backup store under it) belong to the user the app runs as. A named
# volume mounted here is initialised from this directory on first use, ownership included — a
# volume mounted on a path the image lacks would be created root-owned, and `node` could not write.
ENV DATA_DIR=/data
RUN mkdir -p /data/backups && chown -R node:node /data && chmod 0700 /data
USER node
EXPOSE 3000
ENTRYPOINT ["node", "dist/cli/learnloop.js"]
CMD ["start"]
