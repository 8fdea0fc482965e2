//! The host interfaces of `yiwang:service@0.1.0` over the capabilities (see
//! [`host_interfaces`](crate::runtime::wit::shared::host_interfaces), shared by every version).

crate::runtime::wit::shared::host_interfaces!();
