declare module "*.jsonc?raw" {
  const text: string;
  export default text;
}
