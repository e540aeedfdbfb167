import CSystemd

/// systemd integration's namespace (placeholder until the foundation lands).
public enum NetGPTSystemd {}
