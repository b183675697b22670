'use strict'
// Loads the native addon (./histune.node, or $HISTUNE_NATIVE_PATH). The engine's errors cross N-API
// as JSON in the message; the plain functions exported here rethrow them as Errors with `code`,
// `path`, `line` and `column` (use `translateError` for errors of Model methods).
const path = require('node:path')
const fs = require('node:fs')

const addonPath = process.env.HISTUNE_NATIVE_PATH
  ? path.resolve(process.env.HISTUNE_NATIVE_PATH)
  : path.join(__dirname, 'histune.node')

if (!fs.existsSync(addonPath)) {
  const err = new Error(
    `Histune's native engine is not built (${addonPath} is missing). Run \`npm run build:native\` ` +
      'in the project root (it needs a Rust toolchain), or set HISTUNE_NATIVE_PATH to a built histune.node.',
  )
  err.code = 'E_ENGINE'
  throw err
}

const addon = require(addonPath)

function translate(err) {
  if (err && typeof err.message === 'string' && err.message.startsWith('{"code"')) {
    try {
      const payload = JSON.parse(err.message)
      const out = new Error(payload.message)
      out.code = payload.code
      if (payload.path != null) out.path = payload.path
      if (payload.line != null) out.line = payload.line
      if (payload.column != null) out.column = payload.column
      return out
    } catch {
      return err
    }
  }
  return err
}

function wrapFunction(fn) {
  return function wrapped(...args) {
    let result
    try {
      result = fn.apply(this, args)
    } catch (err) {
      throw translate(err)
    }
    if (result && typeof result.then === 'function') {
      return result.catch((err) => {
        throw translate(err)
      })
    }
    return result
  }
}

const exported = {}
for (const [key, value] of Object.entries(addon)) {
  // Classes (Model) are passed through as they are: napi-rs defines their methods non-configurable.
  // Their errors keep the JSON message; `translateError` (exported) or main/engine decodes it.
  if (typeof value === 'function' && /^[A-Z]/.test(key)) {
    exported[key] = value
  } else if (typeof value === 'function') {
    exported[key] = wrapFunction(value)
  } else {
    exported[key] = value
  }
}
exported.addonPath = addonPath
exported.translateError = translate
module.exports = exported
