/** What `swarmdrop` prints for --help and on a bad command, and the defaults it names. */
import { homedir } from 'node:os'
import { join } from 'node:path'

export const DEFAULT_SERVER = process.env.SWARMDROP_SERVER || 'http://localhost:8080'
export const DEFAULT_STORE =
  process.env.SWARMDROP_STORE || join(process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'swarmdrop')
/** A pin node serves whoever its server sends: without a cap, any swarm member could fill its disk. */
export const DEFAULT_PIN_MAX_BYTES = '10G'
export const DEFAULT_PIN_MAX_AGE_DAYS = '30'

export const USAGE = `Usage: swarmdrop <command> [options]

Commands:
  share <files or folders…>   encrypt, print the link, and seed until stopped
  get <link> [-o dir]         download, verify and write the files
  export <files…> --out DIR   seal the files as a blind mirror's static files, print the link
  mirrors <owner link>        show or change the drop's published mirrors (--add, --remove)
  seed [store dir]            serve every drop in a store
  pin --store DIR             run a pin node: keep drops available for others, blind

Run \`swarmdrop <command> --help\` for its options.
Exit codes: 0 ok, 1 transfer failed, 2 bad arguments or link, 3 server unreachable,
4 not enough space, 5 wrong secret or password, 130 interrupted.`

export const HELP: Record<string, string> = {
  share: `Usage: swarmdrop share [options] <files or folders…>

Prints the link on stdout (the owner link, which can revoke, on stderr) and
seeds until Ctrl+C. Folders keep their relative paths. A name that is not
safe on every system (control characters, \\:*?"<>|, a trailing dot or space,
a Windows device name such as CON, or one that differs from another only in
case) is renamed, and the renames are listed.

Options:
  --server URL          the Swarmdrop server (default ${DEFAULT_SERVER}, env SWARMDROP_SERVER)
  --store DIR           where pieces are kept (default ${DEFAULT_STORE}, env SWARMDROP_STORE);
                        \`swarmdrop seed\` serves them again later
  --password P          protect the link with a password (better: env SWARMDROP_PASSWORD,
                        which other users cannot see in the process list)
  --expires HOURS       the link expires after this many hours
  --pin                 ask the server's pin nodes to keep the files available
  --until-pinned        ask for a pin and exit once the pin nodes hold every piece
                        (exit 1 if the server has no pin nodes)
  --connect-timeout S   give up if the server cannot be reached in S seconds (default 15)
  --relay-only          no direct WebRTC: every peer through the server relay`,
  export: `Usage: swarmdrop export [options] --out DIR <files or folders…>

Seals the files exactly as \`share\` does and writes the drop under DIR as
static files (DIR/swarmdrop-v1/<CID>/manifest and …/pieces/<piece id>: every
file is ciphertext or a hash), prints the link on stdout (the owner link on
stderr) and exits. Upload DIR anywhere that serves files over HTTP(S) — rsync
to nginx, \`aws s3 sync\`, a git push to Pages — and the link downloads from
there with no browser online. The host never sees the key.

Options:
  --out DIR             where to write the files (created if missing)
  --mirror URL          where DIR will be reachable (give it several times for
                        several hosts); the link names them, after #
  --server URL          the Swarmdrop server the link opens in (default ${DEFAULT_SERVER})
  --password P          protect the link with a password (better: env SWARMDROP_PASSWORD)
  --expires HOURS       the link expires after this many hours`,
  mirrors: `Usage: swarmdrop mirrors [options] <owner link>

Shows the mirrors published for a drop, one per line; with --add or --remove,
publishes the changed list and shows it. The link stays the same: whoever
opens it from now on also fetches from the published mirrors, in a browser or
with \`swarmdrop get\`, and so do pin nodes. The list is signed with a key only
the owner link holds, and the server checks it against the drop, so nobody
else can add or remove a mirror. Unlike the mirrors a link names after #, a
published list is plaintext that the server and anyone who asks can read.

Options:
  --add URL             publish this mirror too (give it several times for several)
  --remove URL          no longer publish this mirror
  --server URL          the server (default: the link's own, else ${DEFAULT_SERVER})
  --timeout S           how long to look for the drop's manifest (from a peer, the
                        link's mirrors or the ones added; default 30)
  --connect-timeout S   give up if the server cannot be reached in S seconds (default 15)
  --relay-only          no direct WebRTC: every peer through the server relay`,
  get: `Usage: swarmdrop get [options] <link>

Downloads from every peer that has the files, from the mirrors the link
names and those its owner published, verifies every piece, and writes the files (with their folders) under
the output directory; prints their paths. A link with mirrors downloads even
when the server cannot be reached.

Options:
  -o, --output DIR      where to write the files (default: the current directory)
  --server URL          the server (default: the link's own, else ${DEFAULT_SERVER})
  --password P          the password of a password link (better: env SWARMDROP_PASSWORD)
  --store DIR           keep the pieces there and keep seeding them (default: a
                        temporary directory, removed afterwards)
  --max-bytes N         refuse a download that would make the store larger (k, M, G suffixes)
  --seed                keep seeding after the download, until Ctrl+C
  --timeout S           give up after S seconds without completing (default or 0: wait)
  --connect-timeout S   give up if the server cannot be reached in S seconds (default 15)
  --relay-only          no direct WebRTC: every peer through the server relay`,
  seed: `Usage: swarmdrop seed [options] [store dir]

Serves every drop in the store (default ${DEFAULT_STORE}) until Ctrl+C.

Options:
  --server URL          the Swarmdrop server (default ${DEFAULT_SERVER})
  --connect-timeout S   give up if the server cannot be reached in S seconds (default 15)
  --relay-only          no direct WebRTC: every peer through the server relay`,
  pin: `Usage: swarmdrop pin --store DIR --token T [options]

Runs a pin node next to a Swarmdrop server: it fetches and holds the drops
the server asks it to keep (encrypted pieces only: it never has a key), serves
them, and reports what it holds so the server keeps each drop at its number of
copies. Runs until Ctrl+C.

Options:
  --store DIR           where pieces are kept (required)
  --token T             the server's pin token (its --pin-token; env SWARMDROP_PIN_TOKEN)
  --server URL          the Swarmdrop server (default ${DEFAULT_SERVER})
  --max-bytes N         hold at most this much (k, M, G suffixes; default ${DEFAULT_PIN_MAX_BYTES},
                        0: no limit); larger drops are refused
  --max-age DAYS        drop pins older than this (default ${DEFAULT_PIN_MAX_AGE_DAYS}, 0: no limit)
  --mirror-listen H:P   also serve what the node holds as a blind mirror over HTTP
                        (e.g. 127.0.0.1:8081 behind a proxy); links name it with
                        \`&m=<URL>\` (see swarmdrop export)
  --connect-timeout S   give up if the server cannot be reached in S seconds (default 15)
  --relay-only          no direct WebRTC: every peer through the server relay`,
}
