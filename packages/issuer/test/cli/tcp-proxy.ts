/**
 * A TCP relay between the issuer and PostgreSQL that a test can break: `refuse` closes every
 * connection and resets new ones as they arrive (a database that is down or restarting),
 * `blackhole` closes every connection and then accepts new ones without ever answering (a
 * network that drops packets), `restore` relays again. It listens throughout, so that its
 * port never becomes free for another process to take.
 */
import { createServer, connect, type Server, type Socket } from 'node:net'

export interface TcpProxy {
  port: number
  refuse(): void
  blackhole(): void
  restore(): void
  close(): Promise<void>
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>()
  let mode: 'relay' | 'refuse' | 'blackhole' = 'relay'

  function track(socket: Socket): void {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => socket.destroy())
  }

  function dropAll(): void {
    for (const socket of sockets) socket.destroy()
  }

  const server: Server = createServer((client) => {
    if (mode === 'refuse') {
      client.on('error', () => undefined)
      client.resetAndDestroy()
      return
    }
    track(client)
    if (mode === 'blackhole') return
    const upstream = connect(targetPort, targetHost)
    track(upstream)
    client.pipe(upstream)
    upstream.pipe(client)
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const port = (server.address() as { port: number }).port
  return {
    port,
    refuse() {
      mode = 'refuse'
      dropAll()
    },
    blackhole() {
      mode = 'blackhole'
      dropAll()
    },
    restore() {
      mode = 'relay'
    },
    async close() {
      const closing = new Promise<void>((resolve) => server.close(() => resolve()))
      dropAll()
      await closing
    },
  }
}
