'use strict';
// The handler of bench/lambda-cold-start.bench.js: a module graph like a real function's. At load it requires the
// AWS SDK v3 (DynamoDB and SQS clients, created once, outside the handler, as Lambda's docs advise) and node:http;
// an invocation makes one http GET to event.url and returns. The clients point at a closed loopback port and the
// credentials come from the environment (dummy values set by the bench), so nothing leaves the machine and the
// SDK never looks further (no ~/.aws, no instance metadata).
const http = require('node:http');
const { DynamoDBClient } = require('@aws-sdk/client-dynamodb');
const { SQSClient } = require('@aws-sdk/client-sqs');

const ENDPOINT = process.env.BENCH_AWS_ENDPOINT || 'http://127.0.0.1:9';

const dynamodb = new DynamoDBClient({ region: 'us-east-1', endpoint: ENDPOINT, maxAttempts: 1 });
const sqs = new SQSClient({ region: 'us-east-1', endpoint: ENDPOINT, maxAttempts: 1 });

function get(url) {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ statusCode: res.statusCode, body }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

exports.clients = { dynamodb, sqs };

exports.handler = async (event) => {
  const response = await get(event.url);
  return { statusCode: 200, upstream: response.statusCode, bytes: response.body.length };
};
