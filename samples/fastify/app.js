'use strict';
// An ordinary fastify app: run it with `node --require otel-xray/register app.js`.
const fastify = require('fastify')();

fastify.get('/orders/:id', async (request) => ({ id: request.params.id, status: 'shipped' }));
fastify.get('/checkout', async () => ({ checkout: 'ok' }));
fastify.get('/fail', async () => {
  throw new Error('payment declined');
});
fastify.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' }).then(() => process.stdout.write(`listening ${fastify.server.address().port}\n`));
