// Ink loads react-devtools-core only when DEV=true; the bundle leaves it out.
export default {};
export const connectToDevTools = (): void => {};
