// Shell programs are bundled as text (esbuild's text loader; a transform in vitest.config.ts for tests).
declare module '*.sh' {
  const text: string;
  export default text;
}
