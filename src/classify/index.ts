// The classify module: topology (nodes, pods, services, flag addresses), the address classifier with
// realip, topology files, and the IP helpers they share.

export { Classifier, type ClassifierOptions } from './classifier.js';
export { describeClass, requestClass, PROBE_USER_AGENT, PRIVATE_CIDRS } from './rules.js';
export { loadTopologyFiles } from './load.js';
export { Topology, type TopologySnapshot } from './topology.js';
export {
  nodeFromKube,
  podFromKube,
  serviceFromKube,
  nodeOwnedAddrs,
  NODE_ADDRESS_ANNOTATIONS,
  type NodeInfo,
  type PodInfo,
  type ServiceInfo,
  type ContainerInfo,
  type ContainerState,
  type OwnedAddr,
  type ServicePortInfo,
} from './kube-objects.js';
export { Cidr, CidrTable } from './cidr.js';
export { canonicalIp, formatIp, formatParsed, parseAddrPort, parseIp, type Ip } from './ip.js';
export { trustHint, expandTrust, PROXY_CLASSES, type UntrustedProxy } from './trust-hint.js';
