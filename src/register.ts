// The preload entry behind `node --require otel-xray/register`. Zero-code setup comes in a later change; for now
// the preload loads nothing and starts nothing, so adding it never changes how an app runs.
export {};
