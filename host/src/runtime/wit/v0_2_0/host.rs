//! The host interfaces of `yiwang:service@0.2.0` over the capabilities: unchanged from 0.1.0,
//! expanded from [`host_interfaces`](crate::runtime::wit::shared::host_interfaces).

crate::runtime::wit::shared::host_interfaces!();
