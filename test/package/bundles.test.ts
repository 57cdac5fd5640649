/**
 * What each function's bundle carries: bundled as serverless.yml's esbuild
 * options build it, a function holds the AWS SDK clients of the services its
 * own role may call and no other, so a cold start loads only what the
 * function uses.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { readServerlessBuild } from '../../local/stack/bundles';
import { ensurePackaged, ROOT } from './packaging';

interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
}
interface Statement {
  Action: string | string[];
}

/**
 * The AWS SDK service clients (and DynamoDB's document client) whose code ends
 * up in each output, computed in a child process that exits when esbuild is done.
 */
const SCRIPT = `
const options = JSON.parse(process.argv[1]);
require('esbuild').build(options).then((result) => {
  const packages = {};
  for (const [file, output] of Object.entries(result.metafile.outputs)) {
    const name = file.replace(/^.*\\//, '').replace(/\\.js$/, '');
    const found = new Set();
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const m = /@aws-sdk\\/((?:client|lib)-[a-z0-9-]+)\\//.exec(input);
      if (m && bytesInOutput > 0) found.add(m[1]);
    }
    packages[name] = [...found].sort();
  }
  process.stdout.write(JSON.stringify(packages), () => process.exit(0));
}, (e) => { console.error(e.message); process.exit(1); });
`;

/** IAM service prefix of an SDK client: its package name, but for these. */
const SERVICE_OF: Record<string, string> = {
  'lib-dynamodb': 'dynamodb',
  // Multipart uploads to S3.
  'lib-storage': 's3',
  'client-sfn': 'states',
};
const serviceOf = (pkg: string): string => SERVICE_OF[pkg] ?? pkg.replace(/^client-/, '');

let sdkPackages: Record<string, string[]>;
let roleServices: Record<string, string[]>;

beforeAll(async () => {
  const { esbuild, functions } = readServerlessBuild(ROOT);
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      '-e',
      SCRIPT,
      JSON.stringify({
        ...esbuild,
        entryPoints: functions,
        outdir: 'bundles',
        write: false,
        metafile: true,
        logLevel: 'silent',
      }),
    ],
    { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 },
  );
  sdkPackages = JSON.parse(stdout) as Record<string, string[]>;

  const { Resources } = JSON.parse(readFileSync(await ensurePackaged(), 'utf8')) as {
    Resources: Record<string, Resource>;
  };
  roleServices = {};
  for (const fn of Object.keys(functions)) {
    const lambda = Resources[`${fn[0]!.toUpperCase()}${fn.slice(1)}LambdaFunction`]!;
    const role = Resources[(lambda.Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0]]!;
    const statements = (role.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]).flatMap(
      (p) => p.PolicyDocument.Statement,
    );
    const actions = statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    roleServices[fn] = [...new Set(actions.map((a) => a.split(':')[0]!))].sort();
  }
}, 180_000);

describe('function bundles', () => {
  it('bundle every function serverless.yml declares', () => {
    expect(Object.keys(sdkPackages).sort()).toEqual(Object.keys(roleServices).sort());
  });

  it('hold only the SDK clients of the services the function may call', () => {
    for (const [fn, packages] of Object.entries(sdkPackages)) {
      const services = [...new Set(packages.map(serviceOf))];
      const notAllowed = services.filter((s) => !roleServices[fn]!.includes(s));
      expect({ fn, notAllowed }).toEqual({ fn, notAllowed: [] });
    }
  });

  it('keep the authorizer free of any AWS SDK client and the probe free of DynamoDB', () => {
    expect(sdkPackages.consoleAuthorizer).toEqual([]);
    expect(sdkPackages.probe).not.toContain('client-dynamodb');
  });
});
