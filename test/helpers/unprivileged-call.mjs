// Runs one native call and prints {ok: true} or {code, message} as JSON. The
// tests start it through `setpriv` as uid 65534 with no capabilities.
// Usage: node unprivileged-call.mjs foreign-keepalive <pid> <fd> <inode>
//        node unprivileged-call.mjs destroy '<DestroyTarget JSON>'
import { destroySocket, getForeignKeepalive } from '@keepalive-dashboard/native';

const [op, ...args] = process.argv.slice(2);
try {
  if (op === 'foreign-keepalive') getForeignKeepalive(Number(args[0]), Number(args[1]), { inode: Number(args[2]) });
  else if (op === 'destroy') destroySocket(JSON.parse(args[0] ?? '{}'));
  else throw new Error(`unknown op ${op}`);
  console.log(JSON.stringify({ ok: true }));
} catch (error) {
  console.log(JSON.stringify({ code: error.code, message: error.message }));
}
