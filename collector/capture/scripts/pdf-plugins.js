// Chrome's fixed navigator.plugins and navigator.mimeTypes, for a Chromium build without a PDF
// viewer (the headless shell). Every desktop Chrome since version 94 reports these same five
// "PDF Viewer" entries with the application/pdf and text/pdf types, whatever is installed
// (Blink's fixed plugin data), and navigator.pdfViewerEnabled true. The objects have the
// browser's own prototypes and property layout, and behave as Blink's do (a plugin hands out
// a new MimeType object on every access, the arrays the same ones); the prototypes' accessors
// answer for them and fall through to the native ones for anything else. Nothing is added to
// the document.
(() => {
  const NAMES = [
    "PDF Viewer",
    "Chrome PDF Viewer",
    "Chromium PDF Viewer",
    "Microsoft Edge PDF Viewer",
    "WebKit built-in PDF",
  ];
  const TYPES = ["application/pdf", "text/pdf"];
  const DESCRIPTION = "Portable Document Format";
  const state = new WeakMap();

  // An indexed list: `keys` name its entries, `at(i)` gives entry i.
  const list = (object, fields, keys, at) => {
    const named = (key) => {
      const index = keys.indexOf(`${key}`);
      return index === -1 ? null : at(index);
    };
    state.set(object, { ...fields, length: keys.length, at, named });
    keys.forEach((key, index) => {
      Object.defineProperty(object, index, { value: at(index), enumerable: true, configurable: true });
    });
    for (const key of keys) {
      Object.defineProperty(object, key, { value: named(key), configurable: true });
    }
    return object;
  };
  const mime = (type, plugin) => {
    const object = Object.create(MimeType.prototype);
    state.set(object, { type, suffixes: "pdf", description: DESCRIPTION, plugin });
    return object;
  };
  const plugin = (name) => {
    const fields = { name, filename: "internal-pdf-viewer", description: DESCRIPTION };
    const target = Object.create(Plugin.prototype);
    const fresh = (key) => {
      const index = typeof key === "string" ? TYPES.indexOf(key) : -1;
      const number = typeof key === "string" && `${Number(key)}` === key ? Number(key) : -1;
      const inRange = Number.isInteger(number) && number >= 0 && number < TYPES.length;
      const found = index !== -1 ? index : inRange ? number : -1;
      return found === -1 ? undefined : mime(TYPES[found], proxy);
    };
    const proxy = new Proxy(target, {
      get: (object, key, receiver) => fresh(key) ?? Reflect.get(object, key, receiver),
      getOwnPropertyDescriptor: (object, key) => {
        const descriptor = Reflect.getOwnPropertyDescriptor(object, key);
        return descriptor && { ...descriptor, value: fresh(key) };
      },
    });
    list(target, fields, TYPES, (index) => mime(TYPES[index], proxy));
    state.set(proxy, state.get(target));
    return proxy;
  };

  const plugins = NAMES.map(plugin);
  const pluginArray = list(Object.create(PluginArray.prototype), {}, NAMES, (i) => plugins[i]);
  const mimes = TYPES.map((type) => mime(type, plugins[0]));
  const mimeTypeArray = list(Object.create(MimeTypeArray.prototype), {}, TYPES, (i) => mimes[i]);
  state.set(navigator, {});

  const getter = (proto, key, read) => {
    const descriptor = Object.getOwnPropertyDescriptor(proto, key);
    const native = descriptor.get;
    const get = Object.getOwnPropertyDescriptor(
      {
        get [key]() {
          return state.has(this) ? read(state.get(this)) : native.call(this);
        },
      },
      key
    ).get;
    Object.defineProperty(proto, key, { ...descriptor, get });
  };
  const method = (proto, key, run) => {
    const descriptor = Object.getOwnPropertyDescriptor(proto, key);
    const native = descriptor.value;
    const value = {
      [key](argument) {
        return state.has(this) ? run(state.get(this), argument) : native.apply(this, arguments);
      },
    }[key];
    Object.defineProperty(proto, key, { ...descriptor, value });
  };

  for (const proto of [PluginArray.prototype, Plugin.prototype, MimeTypeArray.prototype]) {
    getter(proto, "length", (s) => s.length);
    method(proto, "item", (s, index) => (index >>> 0 < s.length ? s.at(index >>> 0) : null));
    method(proto, "namedItem", (s, name) => s.named(name));
  }
  for (const key of ["name", "filename", "description"]) {
    getter(Plugin.prototype, key, (s) => s[key]);
  }
  for (const key of ["type", "suffixes", "description"]) {
    getter(MimeType.prototype, key, (s) => s[key]);
  }
  getter(MimeType.prototype, "enabledPlugin", (s) => s.plugin);
  getter(Navigator.prototype, "plugins", () => pluginArray);
  getter(Navigator.prototype, "mimeTypes", () => mimeTypeArray);
  getter(Navigator.prototype, "pdfViewerEnabled", () => true);
})();
