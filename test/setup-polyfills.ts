import '../local/polyfills';
// Functions run on nodejs22.x in AWS; tests run on the machine's Node.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
