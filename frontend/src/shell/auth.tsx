import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from "react";

import { api, type Me, unwrap } from "../api/client";

interface AuthState {
  me: Me | null;
  loading: boolean;
  refresh: () => Promise<Me | null>;
  logout: () => Promise<void>;
}

const AuthContext = createContext<AuthState | null>(null);

// 401/403: not logged in
const fetchMe = () => unwrap(api.GET("/api/me/")).catch(() => null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null>(null);
  const [loading, setLoading] = useState(true);

  const refresh = useCallback(async () => {
    const data = await fetchMe();
    setMe(data);
    setLoading(false);
    return data;
  }, []);

  const logout = useCallback(async () => {
    // logged out here whatever the server answers (the next call would ask to log in)
    await unwrap(api.POST("/api/auth/logout/")).catch(() => undefined);
    setMe(null);
  }, []);

  // the first look: state is set when the answer is in
  useEffect(() => {
    void fetchMe().then((data) => {
      setMe(data);
      setLoading(false);
    });
  }, []);

  return (
    <AuthContext.Provider value={{ me, loading, refresh, logout }}>{children}</AuthContext.Provider>
  );
}

export function useAuth(): AuthState {
  const state = useContext(AuthContext);
  if (!state) throw new Error("useAuth outside <AuthProvider>");
  return state;
}
