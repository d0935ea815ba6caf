/** The messages between the OPFS chunk store (opfs-store.ts) and its worker (opfs-worker.ts). Ids are hex. */
export type OpfsOp =
  | { op: 'open'; root: string }
  | { op: 'put'; drop: string; chunks: string[]; buffers: ArrayBuffer[] }
  | { op: 'get'; drop: string; chunk: string }
  | { op: 'has'; drop: string; chunks: string[] }
  | { op: 'deleteDrop'; drop: string }
  | { op: 'moveDrop'; from: string; to: string }

/** Replies carry the request's seq; the worker answers in the order it was asked. */
export type OpfsRequest = OpfsOp & { seq: number }

/** `get` answers an ArrayBuffer (transferred) or null; `has` a boolean per chunk; the rest nothing. */
export type OpfsReply = { seq: number } & ({ ok: true; value: unknown } | { ok: false; name: string; message: string })
