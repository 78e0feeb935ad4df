// Marp CLI configuration for the Socket Lab Kit decks.
//
// Images written as relative paths in a deck (e.g. `diagrams/tcp-states.svg`)
// are resolved against the build folder and inlined as data: URIs, so each
// HTML file is standalone (it can be mailed or moved alone) and the PDF
// conversion never needs --allow-local-files. A missing image fails the build.
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const buildDir = path.resolve(process.env.SLIDES_BUILD_DIR ?? path.join(here, 'build'))

const MIME_TYPES = {
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
}

// Replace the src of every relative image with a data: URI of the built file.
function inlineLocalImages(md) {
  // Runs in the inline parser, before Marpit reads the image URL for its own
  // keywords (w:, h:, bg...), so Marpit sees the data: URI too.
  md.inline.ruler2.before('marpit_parse_image', 'socketlab_inline_images', (state) => {
    for (const token of state.tokens) {
      if (token.type !== 'image') continue
      const src = token.attrGet('src')
      if (!src || /^[a-z][a-z0-9+.-]*:/i.test(src)) continue // already a URL
      const file = path.resolve(buildDir, decodeURIComponent(src))
      const type = MIME_TYPES[path.extname(file).toLowerCase()]
      if (!file.startsWith(buildDir + path.sep) || !type || !existsSync(file)) {
        throw new Error(`image not found or not allowed: ${src} (looked for ${file})`)
      }
      const data = readFileSync(file).toString('base64')
      token.attrSet('src', `data:${type};base64,${data}`)
    }
  })
}

/** @type {import('@marp-team/marp-cli').Config} */
export default {
  engine: ({ marp }) => marp.use(inlineLocalImages),
  html: true,
  lang: 'en',
  themeSet: [path.join(here, 'theme', 'socketlab.css')],
  allowLocalFiles: false,
  bespoke: { osc: true, progress: true, transition: false },
  options: {
    // Twemoji and math would load images and fonts from a CDN: keep the decks
    // free of any network access.
    emoji: { shortcode: false, unicode: false },
    math: false,
  },
}
