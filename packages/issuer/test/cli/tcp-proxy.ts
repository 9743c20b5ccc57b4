/**
 * A TCP relay between the issuer and PostgreSQL that a test can break: `refuse` closes every
 * connection and refuses new ones (a database that is down or restarting), `blackhole`
 * closes every connection and then accepts new ones without ever answering (a network that
 * drops packets), `restore` relays again.
 */
import { createServer, connect, type Server, type Socket } from 'node:net'

export interface TcpProxy {
  port: number
  refuse(): Promise<void>
  blackhole(): void
  restore(): Promise<void>
  close(): Promise<void>
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>()
  let mode: 'relay' | 'blackhole' = 'relay'
  let server: Server | undefined

  function track(socket: Socket): void {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => socket.destroy())
  }

  function dropAll(): void {
    for (const socket of sockets) socket.destroy()
  }

  function listen(port: number): Promise<Server> {
    const next = createServer((client) => {
      track(client)
      if (mode === 'blackhole') return
      const upstream = connect(targetPort, targetHost)
      track(upstream)
      client.pipe(upstream)
      upstream.pipe(client)
      client.on('close', () => upstream.destroy())
      upstream.on('close', () => client.destroy())
    })
    return new Promise((resolve, reject) => {
      next.once('error', reject)
      next.listen(port, '127.0.0.1', () => resolve(next))
    })
  }

  async function stopListening(): Promise<void> {
    const current = server
    server = undefined
    if (current !== undefined) await new Promise<void>((resolve) => current.close(() => resolve()))
  }

  server = await listen(0)
  const port = (server.address() as { port: number }).port
  return {
    port,
    async refuse() {
      const closing = stopListening()
      dropAll()
      await closing
    },
    blackhole() {
      mode = 'blackhole'
      dropAll()
    },
    async restore() {
      mode = 'relay'
      server ??= await listen(port)
    },
    async close() {
      const closing = stopListening()
      dropAll()
      await closing
    },
  }
}
