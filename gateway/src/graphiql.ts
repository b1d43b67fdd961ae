import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** A file inside an installed package (their `exports` maps do not list the prebuilt bundles). */
const inPackage = (pkg: string, file: string) =>
  join(dirname(require.resolve(`${pkg}/package.json`)), file);

/** GraphiQL and React, from the installed packages: the IDE works with no internet access. */
const ASSETS: Record<string, { file: string; type: string }> = {
  '/graphiql/react.js': {
    file: inPackage('react', 'umd/react.production.min.js'),
    type: 'text/javascript',
  },
  '/graphiql/react-dom.js': {
    file: inPackage('react-dom', 'umd/react-dom.production.min.js'),
    type: 'text/javascript',
  },
  '/graphiql/graphiql.js': {
    file: inPackage('graphiql', 'graphiql.min.js'),
    type: 'text/javascript',
  },
  '/graphiql/graphiql.css': {
    file: inPackage('graphiql', 'graphiql.min.css'),
    type: 'text/css',
  },
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Liyuan community platform: GraphiQL</title>
<link rel="stylesheet" href="/graphiql/graphiql.css">
<style>body { margin: 0; height: 100vh; } #graphiql { height: 100vh; }</style>
</head>
<body>
<div id="graphiql">loading…</div>
<script src="/graphiql/react.js"></script>
<script src="/graphiql/react-dom.js"></script>
<script src="/graphiql/graphiql.js"></script>
<script>
  const fetcher = GraphiQL.createFetcher({ url: '/graphql' });
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, {
      fetcher,
      defaultEditorToolsVisibility: 'headers',
      defaultQuery:
        '# Public fields answer anonymously; for the rest put a token in Headers:\\n' +
        '# { "authorization": "Bearer <npm run -s token -- --role staff>" }\\n' +
        '{ grids { id name } }',
    }),
  );
</script>
</body>
</html>
`;

/** `/graphiql` and its assets (development only: the gateway leaves them out in production). */
export function graphiqlRoutes(): Record<
  string,
  (req: IncomingMessage, res: ServerResponse) => void
> {
  const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
    '/graphiql': (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(PAGE);
    },
  };
  for (const [path, asset] of Object.entries(ASSETS)) {
    const body = readFileSync(asset.file);
    routes[path] = (_req, res) => {
      res.writeHead(200, { 'content-type': asset.type, 'cache-control': 'max-age=3600' });
      res.end(body);
    };
  }
  return routes;
}
