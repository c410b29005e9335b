//! The only `unsafe` in nest: thin, typed wrappers over namespaces, mounts, pivot_root,
//! capabilities, cgroups, netlink and ptys. Nothing here knows what a container is.
