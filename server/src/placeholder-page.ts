/** The page served at `/` until the React UI is built and served. */
export function placeholderPage(): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>keepalive-dashboard</title></head>
<body>
<h1>keepalive-dashboard</h1>
<p>The server is running. The live connection table arrives with the web UI; meanwhile <a href="/api/health">/api/health</a> reports the server's state.</p>
</body>
</html>
`;
}
