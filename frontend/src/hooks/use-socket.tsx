"use client";

import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { io, type Socket } from "socket.io-client";

import { SOCKET_PATH } from "@/generated/constants";

/** connecting: first attempt; reconnecting: lost, retrying; offline: not retrying. (No state name contains "connected" but the connected one, so a substring match is safe.) */
export type SocketStatus = "connecting" | "connected" | "reconnecting" | "offline";

interface SocketContextValue {
  socket: Socket | null;
  status: SocketStatus;
}

const SocketContext = createContext<SocketContextValue | null>(null);

/** Open the app's one Socket.IO connection to the CMS API and track its state. */
export function SocketProvider({ url, children }: { url: string; children: ReactNode }) {
  const [socket, setSocket] = useState<Socket | null>(null);
  const [status, setStatus] = useState<SocketStatus>("connecting");

  useEffect(() => {
    const s = io(url, { path: SOCKET_PATH });
    const lostOrRetrying = () => setStatus(s.active ? "reconnecting" : "offline");
    s.on("connect", () => setStatus("connected"));
    s.on("connect_error", lostOrRetrying);
    s.on("disconnect", (reason) => {
      // The server closed the session on purpose: socket.io does not retry that by itself.
      if (reason === "io server disconnect") s.connect();
      lostOrRetrying();
    });
    setSocket(s);
    setStatus("connecting");
    return () => {
      s.removeAllListeners();
      s.disconnect();
      setSocket(null);
    };
  }, [url]);

  const value = useMemo(() => ({ socket, status }), [socket, status]);
  return <SocketContext.Provider value={value}>{children}</SocketContext.Provider>;
}

export function useSocket(): SocketContextValue {
  const value = useContext(SocketContext);
  if (value === null) throw new Error("useSocket must be used within a SocketProvider");
  return value;
}
