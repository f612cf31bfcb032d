'use strict';
// An order function behind API Gateway: reads the order from DynamoDB (AWS SDK v3) and asks an inventory service
// over HTTP. Nothing here knows about tracing: NODE_OPTIONS=--require otel-xray/register does it all.
const http = require('node:http');
const { DynamoDBClient, GetItemCommand } = require('@aws-sdk/client-dynamodb');

// Made while the module loads (Lambda's Initialization): reused by every invocation.
const dynamodb = new DynamoDBClient({ region: process.env.AWS_REGION, endpoint: process.env.DYNAMODB_ENDPOINT });

function inventory(id) {
  return new Promise((resolve, reject) => {
    http.get(`${process.env.INVENTORY_URL}/stock/${id}`, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c) => (body += c)).on('end', () => resolve(JSON.parse(body)));
    }).on('error', reject);
  });
}

exports.handler = async (event) => {
  const id = event.pathParameters?.id ?? '0';
  const { Item } = await dynamodb.send(new GetItemCommand({ TableName: 'orders', Key: { id: { S: id } } }));
  if (Item === undefined) throw new Error(`order ${id} not found`);
  const stock = await inventory(id);
  return { statusCode: 200, body: JSON.stringify({ id, total: Number(Item.total.N), inStock: stock.count > 0 }) };
};
