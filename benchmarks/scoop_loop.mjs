// Scoop's API in a loop, for benchmarks/peers.py: one `Scoop.capture` and WACZ export per URL,
// one after another, as Scoop's own examples use it. Prints one JSON line per URL:
// {"url", "seconds", "state", "bytes"}.
//
//   node scoop_loop.mjs SCOOP_DIR OPTIONS_JSON OUT_DIR URL...
//
// OPTIONS_JSON are Scoop options (blocklist, ytDlpPath, cripPath, proxyPort, ...); the browser
// comes from PLAYWRIGHT_BROWSERS_PATH, which peers.py points at the system headless shell.
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

const [scoopDir, optionsJson, outDir, ...urls] = process.argv.slice(2)
const { Scoop } = await import(pathToFileURL(path.join(scoopDir, 'Scoop.js')).href)
const options = JSON.parse(optionsJson)

for (const [index, url] of urls.entries()) {
  const began = performance.now()
  const capture = await Scoop.capture(url, options)
  const wacz = await capture.toWACZ()
  await writeFile(path.join(outDir, `capture-${index}.wacz`), Buffer.from(wacz))
  const seconds = (performance.now() - began) / 1000
  console.log(JSON.stringify({ url, seconds, state: capture.state, bytes: wacz.byteLength }))
}
process.exit(0) // Scoop leaves handles open after a capture: without this, node never ends
