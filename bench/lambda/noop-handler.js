'use strict';
// The handler of bench/lambda-invocation.bench.js: nothing but the invocation itself.
exports.handler = async () => ({ statusCode: 200 });
