/**
 * The bytes of a base64 text (`atob`, in Node and browsers alike): how the library carries its
 * WebAssembly modules inside its JavaScript, with no file to fetch.
 *
 * @param text - base64
 * @returns the decoded bytes
 */
export function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
