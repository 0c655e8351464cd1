// hls.js ships the light build (no subtitles, EME or alternate audio: none of which streamgate
// serves) without its own types; it has the full build's API.
declare module 'hls.js/light' {
  export * from 'hls.js';
  export { default } from 'hls.js';
}
