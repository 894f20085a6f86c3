/**
 * @module method_http — method (a) of the netns swarm benchmark: plain HTTP.
 * Debian's nginx serves the file from the origin host (sendfile) and every
 * client fetches it with curl at the same moment.
 */
import {
  measure,
  type MethodContext,
  type MethodRun,
  startClients,
  waitForPort,
} from "./method.ts";

/** Port nginx listens on in the origin host. */
export const NGINX_PORT = 8080;

/** nginx.conf that serves `root` on `ip:port`, in the foreground, logging errors only. */
export function nginxConf(prefix: string, root: string, ip: string, port: number): string {
  return `daemon off;
master_process on;
worker_processes 1;
user root;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  client_body_temp_path ${prefix}/tmp;
  proxy_temp_path ${prefix}/tmp;
  fastcgi_temp_path ${prefix}/tmp;
  uwsgi_temp_path ${prefix}/tmp;
  scgi_temp_path ${prefix}/tmp;
  server {
    listen ${ip}:${port};
    root ${root};
  }
}
`;
}

/** Starts nginx in the origin host; resolves once it accepts connections. */
export async function startNginx(ctx: MethodContext): Promise<string> {
  const { origin } = ctx.bed;
  const prefix = `${ctx.work}/nginx`;
  await Deno.mkdir(`${prefix}/tmp`, { recursive: true });
  await Deno.writeTextFile(
    `${prefix}/nginx.conf`,
    nginxConf(prefix, ctx.file.dir, origin.ip, NGINX_PORT),
  );
  await ctx.h.spawnCommand("nginx", "ip", [
    "netns",
    "exec",
    origin.ns,
    "nginx",
    "-p",
    prefix,
    "-c",
    `${prefix}/nginx.conf`,
    "-e",
    `${prefix}/error.log`,
  ], { server: false });
  await waitForPort(origin, origin.ip, NGINX_PORT);
  return `http://${origin.ip}:${NGINX_PORT}/${ctx.file.name}`;
}

/** Every client curls the file from the origin's nginx at once. */
export async function runHttp(ctx: MethodContext): Promise<MethodRun> {
  const url = await startNginx(ctx);
  const outputs = ctx.clients.map((h) => `${ctx.work}/h${h.index}/http.bin`);
  for (const o of outputs) await Deno.mkdir(o.replace(/\/[^/]+$/, ""), { recursive: true });
  return await measure(
    ctx,
    "http",
    outputs,
    () => startClients(ctx, (_host, i) => ["curl", ["-sS", "--fail", "-o", outputs[i], url]]),
  );
}
