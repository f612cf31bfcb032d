'use strict';
// A module of the app's own, patched by patchModules() in app.js: each exported function is a subsegment.
exports.reserve = async (sku, quantity) => {
  await new Promise((resolve) => setTimeout(resolve, 2));
  return { sku, quantity, reserved: true };
};
exports.release = (sku) => ({ sku, released: true });
