/**
 * Two adjustments to what serverless@3 generates for this service.
 *
 * 1. Lambda's `nodejs22.x` runtime postdates the v3 configuration schema;
 *    the schema is extended so that validation can stay in `error` mode and
 *    still catch every other mistake.
 * 2. Every function has its own role (serverless-iam-roles-per-function),
 *    which leaves the framework's shared `IamRoleLambdaExecution` attached to
 *    nothing. It is removed once no resource refers to it, so the stack holds
 *    no role with permissions that no function uses.
 */
const RUNTIMES = ['nodejs22.x'];
const SHARED_ROLE = 'IamRoleLambdaExecution';

class StackPlugin {
  constructor(serverless) {
    this.serverless = serverless;
    const runtime = serverless.configSchemaHandler?.schema?.definitions?.awsLambdaRuntime;
    if (runtime && Array.isArray(runtime.enum)) {
      for (const name of RUNTIMES) if (!runtime.enum.includes(name)) runtime.enum.push(name);
    }
    this.hooks = { 'before:package:finalize': () => this.dropSharedRole() };
  }

  dropSharedRole() {
    const resources = this.serverless.service.provider.compiledCloudFormationTemplate.Resources;
    if (!resources[SHARED_ROLE]) return;
    const others = Object.entries(resources).filter(([id]) => id !== SHARED_ROLE);
    const referenced = others.some(([, resource]) => JSON.stringify(resource).includes(`"${SHARED_ROLE}"`));
    if (!referenced) delete resources[SHARED_ROLE];
  }
}

module.exports = StackPlugin;
