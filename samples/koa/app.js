'use strict';
// An ordinary koa app: run it with `node --require otel-xray/register app.js`.
const Koa = require('koa');

const app = new Koa();
app.use(async (ctx, next) => {
  if (ctx.path === '/fail') throw new Error('payment declined');
  await next();
});
app.use(async (ctx) => {
  ctx.body = ctx.path.startsWith('/orders/') ? { id: ctx.path.split('/')[2], status: 'shipped' } : { checkout: 'ok' };
});
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
