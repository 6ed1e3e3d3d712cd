/** The value of Django's CSRF cookie (set by the page that serves the app), or "" if absent. */
export function readCookie(name: string, cookieString: string = document.cookie): string {
  for (const part of cookieString.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return decodeURIComponent(rest.join("="));
  }
  return "";
}

export const csrfToken = (): string => readCookie("csrftoken");

/** Methods Django checks the CSRF token on. */
export const needsCsrf = (method: string): boolean =>
  !["GET", "HEAD", "OPTIONS", "TRACE"].includes(method.toUpperCase());
