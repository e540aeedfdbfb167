/// The SQLite store's namespace (placeholder until the foundation lands).
public enum NetGPTStore {}
