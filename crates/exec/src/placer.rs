use sessionflow_core::{Device, Result, Status};
use sessionflow_graph::Node;
use std::sync::Arc;

/// The parts of a device name a node may request (`/job:…/replica:…/task:…/device:TYPE:index`);
/// absent parts match anything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct DeviceSpec {
    job: Option<String>,
    replica: Option<u32>,
    task: Option<u32>,
    device_type: Option<String>,
    index: Option<u32>,
}

/// Keys of a device name that are not device types.
const RESERVED: [&str; 4] = ["job", "replica", "task", "device"];

impl DeviceSpec {
    /// Parses TensorFlow's device names, full, partial or legacy (`/cpu:0`).
    fn parse(name: &str) -> Result<DeviceSpec> {
        let bad = || Status::invalid_argument(format!("Malformed device specification '{name}'"));
        let mut spec = DeviceSpec::default();
        for part in name.split('/').filter(|p| !p.is_empty()) {
            let fields: Vec<&str> = part.split(':').collect();
            let number = |s: &str| s.parse::<u32>().map_err(|_| bad());
            match fields.as_slice() {
                ["job", job] => spec.job = Some((*job).to_owned()),
                ["replica", r] => spec.replica = Some(number(r)?),
                ["task", t] => spec.task = Some(number(t)?),
                ["device", ty] => spec.device_type = Some(ty.to_uppercase()),
                [ty] if !ty.is_empty() && !RESERVED.contains(ty) => {
                    spec.device_type = Some(ty.to_uppercase());
                }
                ["device", ty, index] | [ty, index] if !ty.is_empty() && !RESERVED.contains(ty) => {
                    spec.device_type = Some(ty.to_uppercase());
                    spec.index = if *index == "*" { None } else { Some(number(index)?) };
                }
                _ => return Err(bad()),
            }
        }
        Ok(spec)
    }

    /// Whether the device named `name` (a full name) satisfies this spec.
    fn matches(&self, name: &str) -> bool {
        let Ok(full) = DeviceSpec::parse(name) else {
            return false;
        };
        fn agree<T: PartialEq>(want: &Option<T>, have: &Option<T>) -> bool {
            want.as_ref().is_none_or(|w| have.as_ref() == Some(w))
        }
        agree(&self.job, &full.job)
            && agree(&self.replica, &full.replica)
            && agree(&self.task, &full.task)
            && agree(&self.device_type, &full.device_type)
            && agree(&self.index, &full.index)
    }
}

/// Assigns each node a device, as TensorFlow's placer: the requested device when it exists and
/// has a kernel for the node; otherwise, with soft placement, the first device that has one;
/// otherwise an InvalidArgument error naming the node and the request.
pub(crate) struct Placer<'a> {
    pub devices: &'a [Arc<dyn Device>],
    pub allow_soft_placement: bool,
    pub log_device_placement: bool,
}

impl Placer<'_> {
    /// The index of the device `node` runs on; `has_kernel` says whether a device can run it.
    pub fn place(&self, node: &Node, has_kernel: &dyn Fn(&dyn Device) -> bool) -> Result<usize> {
        let spec = DeviceSpec::parse(&node.device).map_err(|s| s.with_node(&node.name))?;
        let matching = |i: &usize| spec.matches(&self.devices[*i].attributes().name);
        let capable = |i: &usize| has_kernel(self.devices[*i].as_ref());
        let all = 0..self.devices.len();
        let chosen = all
            .clone()
            .find(|i| matching(i) && capable(i))
            .or_else(|| self.allow_soft_placement.then(|| all.clone().find(capable)).flatten());
        let Some(chosen) = chosen else {
            let names: Vec<&str> =
                self.devices.iter().map(|d| d.attributes().name.as_str()).collect();
            let why = if all.clone().any(|i| matching(&i)) {
                "no device matching it has a kernel for this op"
            } else {
                "no devices matching that specification are registered in this process"
            };
            return Err(Status::invalid_argument(format!(
                "Cannot assign a device for operation {}: Could not satisfy explicit device specification '{}' because {why}; available devices: {}",
                node.name,
                node.device,
                names.join(", ")
            ))
            .with_node(&node.name));
        };
        if self.log_device_placement {
            eprintln!("{}: ({}): {}", node.name, node.op(), self.devices[chosen].attributes().name);
        }
        Ok(chosen)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CPU1: &str = "/job:localhost/replica:0/task:0/device:CPU:1";

    #[test]
    fn specs_match_full_names_as_tensorflow_does() {
        for (spec, matches) in [
            ("", true),
            ("/device:CPU:1", true),
            ("/cpu:1", true),
            ("/CPU:1", true),
            ("/device:CPU:*", true),
            ("/job:localhost/device:CPU:1", true),
            ("/device:CPU:0", false),
            ("/device:GPU:1", false),
            ("/job:worker", false),
            ("/replica:1", false),
        ] {
            assert_eq!(DeviceSpec::parse(spec).unwrap().matches(CPU1), matches, "{spec}");
        }
        for bad in ["/device:CPU:x", "/replica:one", "/job", "/a:b:c:d"] {
            assert!(DeviceSpec::parse(bad).is_err(), "{bad}");
        }
    }
}
