// Render test for the slide decks.
//
// Opens every built deck (build/NN-name.html) in headless Chromium and checks:
//   - the deck has the number of slides written in test/expected-slides.tsv
//     (so a deck that changes length, or a deck without an entry, fails);
//   - every image is loaded (no broken diagram);
//   - no slide overflows: content taller or wider than the slide, an element
//     sticking out of it, or a code block / table that clips its content;
//   - the page makes no request outside the slides folder (file:, data:, blob:
//     only) and raises no JavaScript error.
// It leaves one contact sheet per deck in build/screenshots/NN-name.png (all
// slides of the deck as thumbnails), and with SLIDES_SCREENSHOT_ALL=1 also one
// PNG per slide in build/screenshots/NN-name/.
//
// Run it with `make test` (which builds the HTML first). Without Chromium it
// prints "SKIP: ..." and exits 0. Every wait has a timeout; the browser and its
// profile folder are removed whatever happens.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const SLIDES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const BUILD_DIR = path.join(SLIDES_DIR, 'build')
const SHOTS_DIR = path.join(BUILD_DIR, 'screenshots')
const EXPECTED_FILE = path.join(SLIDES_DIR, 'test', 'expected-slides.tsv')
const CHROMIUM = process.env.SLIDES_CHROMIUM || '/usr/bin/chromium'
const SCREENSHOT_ALL = process.env.SLIDES_SCREENSHOT_ALL === '1'

const SLIDE_W = 1280
const SLIDE_H = 720
const LAUNCH_TIMEOUT_MS = 60_000
const LOAD_TIMEOUT_MS = 30_000
const WAIT_TIMEOUT_MS = 10_000
const DECK_TIMEOUT_MS = 180_000
const TOTAL_TIMEOUT_MS = 900_000
const CLOSE_TIMEOUT_MS = 10_000

// Chromium as this kit's machines need it (see tools/chromium-headless): no
// sandbox as root, no GPU, and no background service that phones home.
const CHROMIUM_ARGS = [
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Belt and braces: no host name resolves, so nothing can leave the machine
  // even if a page asked for it (the request filter below refuses it first).
  '--host-resolver-rules=MAP * ~NOTFOUND',
]

// --- preconditions ---------------------------------------------------------

try {
  accessSync(CHROMIUM, constants.X_OK)
} catch {
  console.log(`SKIP: chromium not installed: ${CHROMIUM} is missing or not executable ` +
    '(Debian package: chromium; or set SLIDES_CHROMIUM)')
  process.exit(0)
}

const { default: puppeteer } = await import('puppeteer-core')

/** Reads the table "deck<TAB>slides", ignoring blank lines and # comments. */
function readExpectedCounts(file) {
  const counts = new Map()
  readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
    const text = line.replace(/#.*/, '').trim()
    if (!text) return
    const [deck, count, ...rest] = text.split(/\s+/)
    if (!/^\d+$/.test(count ?? '') || rest.length > 0) {
      throw new Error(`${file}:${i + 1}: expected "deck<TAB>slide count", got "${line}"`)
    }
    counts.set(deck, Number(count))
  })
  return counts
}

/** The decks are the Markdown files in decks/; each must have been built. */
function deckNames() {
  return readdirSync(path.join(SLIDES_DIR, 'decks'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => f.replace(/\.md$/, ''))
    .sort()
}

// --- what runs inside the page ---------------------------------------------

/** In the page: slide count, broken images and overflow, per slide. */
function inspectDeck() {
  const describe = (el) => {
    const text = (el.textContent || '').replace(/\s+/g, ' ').trim().slice(0, 50)
    return `<${el.tagName.toLowerCase()}>${text ? ` "${text}"` : ''}`
  }
  const slides = [...document.querySelectorAll('svg[data-marpit-svg]')]
  const report = slides.map((svg, index) => {
    const problems = []
    const section = svg.querySelector(':scope > foreignObject > section')
    if (!section) return { slide: index + 1, problems: ['no <section> in this slide'] }
    const tol = 1
    // The section's own box: its content must end before its padding does.
    if (section.scrollHeight > section.clientHeight + tol) {
      problems.push(`content taller than the slide by ${section.scrollHeight - section.clientHeight}px`)
    }
    if (section.scrollWidth > section.clientWidth + tol) {
      problems.push(`content wider than the slide by ${section.scrollWidth - section.clientWidth}px`)
    }
    const box = section.getBoundingClientRect()
    const scale = box.width / section.offsetWidth || 1
    // Report the outermost offending element only, not each of its children.
    const reported = []
    for (const el of section.querySelectorAll('*')) {
      if (reported.some((outer) => outer.contains(el))) continue
      const r = el.getBoundingClientRect()
      if (r.width === 0 && r.height === 0) continue
      const out = Math.max(box.left - r.left, box.top - r.top, r.right - box.right, r.bottom - box.bottom) / scale
      const before = problems.length
      if (out > tol) problems.push(`${describe(el)} sticks out of the slide by ${Math.round(out)}px`)
      // A block that clips or overflows its own content (long code lines, wide tables).
      if (el.clientWidth > 0 && el.scrollWidth > el.clientWidth + tol) {
        problems.push(`${describe(el)} content wider than its box by ${el.scrollWidth - el.clientWidth}px`)
      }
      if (el.clientHeight > 0 && el.scrollHeight > el.clientHeight + tol && el.tagName !== 'IMG') {
        problems.push(`${describe(el)} content taller than its box by ${el.scrollHeight - el.clientHeight}px`)
      }
      if (problems.length > before) reported.push(el)
    }
    for (const img of section.querySelectorAll('img')) {
      if (!img.complete || img.naturalWidth === 0) {
        problems.push(`missing image: ${(img.getAttribute('src') || '').slice(0, 80)}`)
      }
    }
    return { slide: index + 1, problems }
  })
  return { count: slides.length, report }
}

// --- helpers ---------------------------------------------------------------

async function openDeck(browser, deck, blocked, errors) {
  const page = await browser.newPage()
  page.setDefaultTimeout(WAIT_TIMEOUT_MS)
  page.setDefaultNavigationTimeout(LOAD_TIMEOUT_MS)
  await page.setViewport({ width: SLIDE_W, height: SLIDE_H })
  // Only the deck itself and what it embeds; anything else is refused and reported.
  const allowedPrefix = pathToFileURL(SLIDES_DIR).href + '/'
  await page.setRequestInterception(true)
  page.on('request', (req) => {
    const url = req.url()
    if (url.startsWith(allowedPrefix) || /^(data|blob|about):/.test(url)) {
      req.continue()
    } else {
      blocked.push(url)
      req.abort('blockedbyclient')
    }
  })
  page.on('requestfailed', (req) => {
    const url = req.url()
    if (!blocked.includes(url)) errors.push(`request failed: ${url.slice(0, 100)} (${req.failure()?.errorText})`)
  })
  page.on('pageerror', (err) => errors.push(`page error: ${err.message}`))
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console error: ${msg.text()}`)
  })
  const url = pathToFileURL(path.join(BUILD_DIR, `${deck}.html`)).href
  await page.goto(url, { waitUntil: 'load', timeout: LOAD_TIMEOUT_MS })
  await page.evaluate(() => document.fonts.ready.then(() => true))
  await page.waitForFunction(() => [...document.images].every((img) => img.complete), { timeout: WAIT_TIMEOUT_MS })
  return page
}

/** Shows slide n (1-based) through the deck's own hash navigation. */
async function showSlide(page, n) {
  await page.evaluate((k) => { location.hash = `#${k}` }, n)
  await page.waitForFunction(
    (k) => document.querySelectorAll('svg[data-marpit-svg]')[k - 1]?.classList.contains('bespoke-marp-active'),
    { timeout: WAIT_TIMEOUT_MS }, n)
  // Two animation frames: the newly active slide is painted.
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))))
}

/** One PNG per deck: every slide as a thumbnail, three to a row. */
async function writeContactSheet(browser, deck, shots) {
  const cols = 3
  const thumbW = 640
  const thumbH = 360
  const cells = shots.map((png, i) => `<figure><img src="data:image/png;base64,${png.toString('base64')}">
    <figcaption>${i + 1}</figcaption></figure>`).join('\n')
  const html = `<!doctype html><html><head><style>
    body { margin: 0; padding: 16px; background: #2c3e50; font: 16px 'DejaVu Sans', sans-serif; color: #ecf0f1; }
    h1 { font-size: 20px; margin: 0 0 12px; }
    main { display: grid; grid-template-columns: repeat(${cols}, ${thumbW}px); gap: 14px; }
    figure { margin: 0; position: relative; }
    img { display: block; width: ${thumbW}px; height: ${thumbH}px; }
    figcaption { position: absolute; top: 4px; left: 4px; background: #c0392b; color: white;
                 padding: 1px 7px; border-radius: 3px; font-size: 14px; }
  </style></head><body><h1>${deck}: ${shots.length} slides</h1><main>${cells}</main></body></html>`
  const sheet = await browser.newPage()
  try {
    await sheet.setViewport({ width: cols * thumbW + (cols - 1) * 14 + 32, height: 400 })
    await sheet.setContent(html, { waitUntil: 'load', timeout: LOAD_TIMEOUT_MS })
    await sheet.evaluate(() => Promise.all([...document.images].map((img) => img.decode())))
    await sheet.screenshot({ path: path.join(SHOTS_DIR, `${deck}.png`), fullPage: true })
  } finally {
    await sheet.close()
  }
}

/** Closes the browser; if it does not answer in time, kills its process. */
async function closeBrowser(browser) {
  let timer
  const timedOut = new Promise((resolve) => { timer = setTimeout(() => resolve('timeout'), CLOSE_TIMEOUT_MS) })
  try {
    const outcome = await Promise.race([browser.close().then(() => 'closed'), timedOut])
    if (outcome === 'timeout') browser.process()?.kill('SIGKILL')
  } finally {
    clearTimeout(timer)
  }
}

// --- the test --------------------------------------------------------------

test('slide decks render', { timeout: TOTAL_TIMEOUT_MS }, async (t) => {
  const expected = readExpectedCounts(EXPECTED_FILE)
  const decks = deckNames()
  assert.ok(decks.length > 0, 'no deck in decks/')
  const unbuilt = decks.filter((d) => !existsSync(path.join(BUILD_DIR, `${d}.html`)))
  assert.deepEqual(unbuilt, [], 'decks not built: run "make -C slides html" first')

  await t.test('every deck has an expected slide count, and every count a deck', () => {
    const unlisted = decks.filter((d) => !expected.has(d))
    const missing = [...expected.keys()].filter((d) => !decks.includes(d))
    assert.deepEqual({ unlisted, missing }, { unlisted: [], missing: [] },
      `decks and ${path.relative(SLIDES_DIR, EXPECTED_FILE)} disagree`)
  })

  rmSync(SHOTS_DIR, { recursive: true, force: true })
  mkdirSync(SHOTS_DIR, { recursive: true })
  const profile = mkdtempSync(path.join(os.tmpdir(), 'slides-chromium-'))
  let browser
  try {
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      userDataDir: profile,
      timeout: LAUNCH_TIMEOUT_MS,
      protocolTimeout: LOAD_TIMEOUT_MS * 2,
      args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), ...CHROMIUM_ARGS],
    })
    for (const deck of decks) {
      await t.test(deck, { timeout: DECK_TIMEOUT_MS }, async () => {
        const blocked = []
        const errors = []
        const page = await openDeck(browser, deck, blocked, errors)
        try {
          const { count, report } = await page.evaluate(inspectDeck)
          const overflowing = report.filter((s) => s.problems.length > 0)
            .map((s) => `slide ${s.slide}: ${[...new Set(s.problems)].join('; ')}`)

          // Screenshots first, so a failing deck still leaves its picture.
          await page.addStyleTag({ content: '.bespoke-marp-osc, .bespoke-progress-parent { display: none !important; }' })
          const shots = []
          if (SCREENSHOT_ALL) mkdirSync(path.join(SHOTS_DIR, deck), { recursive: true })
          for (let n = 1; n <= count; n++) {
            await showSlide(page, n)
            const png = await page.screenshot({ type: 'png' })
            shots.push(png)
            if (SCREENSHOT_ALL) writeFileSync(path.join(SHOTS_DIR, deck, `${String(n).padStart(2, '0')}.png`), png)
          }
          if (shots.length > 0) await writeContactSheet(browser, deck, shots)

          assert.deepEqual(blocked, [], 'the deck asked for something outside the slides folder')
          assert.deepEqual(errors, [], 'the page reported errors')
          assert.deepEqual(overflowing, [], 'slides with missing images or overflowing content')
          assert.equal(count, expected.get(deck),
            `${deck} has ${count} slides, ${path.relative(SLIDES_DIR, EXPECTED_FILE)} says ${expected.get(deck)}`)
        } finally {
          await page.close()
        }
      })
    }
  } finally {
    if (browser) await closeBrowser(browser)
    rmSync(profile, { recursive: true, force: true })
  }
})
