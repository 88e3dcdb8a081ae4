/** Where the portal lives; the API stays under /api. */
export const PORTAL = "/portal";
export const LOGIN_PATH = `${PORTAL}/login`;
export const HOME_PATH = `${PORTAL}/catalog`;

export const isPortalPath = (path: string): boolean =>
  path === PORTAL || path.startsWith(`${PORTAL}/`);

/**
 * A return path after sign-in or a language switch: only a portal page of this site, so a link
 * cannot send the browser elsewhere (`//evil.example`, `/\evil`, `https://…` are refused).
 */
export function safeReturnPath(value: string | undefined): string {
  if (!value?.startsWith("/") || value.startsWith("//") || value.includes("\\")) return HOME_PATH;
  let url: URL;
  try {
    url = new URL(value, "http://portal.invalid");
  } catch {
    return HOME_PATH;
  }
  if (url.origin !== "http://portal.invalid" || !isPortalPath(url.pathname)) return HOME_PATH;
  return `${url.pathname}${url.search}`;
}
