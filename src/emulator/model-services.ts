// Services and the endpoints and endpointslice controllers of the emulated cluster: every change to a pod or a
// Service of a namespace re-derives that namespace's Endpoints and EndpointSlices (endpoints.ts).

import { endpointsBody, endpointsObject, sliceBodies, sliceObject } from './endpoints.js';
import { type EventType, ObjectStore } from './model-store.js';
import { type KubeObject, type ServiceSpec, serviceObject } from './objects.js';

export class ServiceModel extends ObjectStore {
  private nextClusterIP = 10;
  private nextNodePortValue = 30080;

  protected override commit(resource: string, type: EventType, obj: KubeObject): KubeObject {
    super.commit(resource, type, obj);
    if ((resource === 'pods' || resource === 'services') && obj.metadata.namespace !== undefined) this.syncEndpoints(obj.metadata.namespace);
    return obj;
  }

  /** The endpoints and endpointslice controllers: Endpoints and EndpointSlices of every Service of a namespace. */
  private syncEndpoints(ns: string): void {
    const pods = this.list('pods', ns);
    const services = this.list('services', ns);
    const wanted = new Map<string, KubeObject>();
    for (const svc of services) {
      const body = endpointsBody(svc, pods);
      if (body === null) continue;
      const ep = this.get('endpoints', ns, svc.metadata.name);
      if (!ep) this.commit('endpoints', 'ADDED', endpointsObject(svc, body));
      else if (JSON.stringify(ep.subsets) !== JSON.stringify(body.subsets)) {
        this.commit('endpoints', 'MODIFIED', { ...ep, metadata: { ...ep.metadata }, subsets: body.subsets });
      }
      wanted.set(`endpoints/${svc.metadata.name}`, svc);
      for (const sb of sliceBodies(svc, pods)) {
        const fresh = sliceObject(svc, sb);
        const old = this.get('endpointslices', ns, fresh.metadata.name);
        if (!old) this.commit('endpointslices', 'ADDED', fresh);
        else if (JSON.stringify([old.endpoints, old.ports]) !== JSON.stringify([sb.endpoints, sb.ports])) {
          this.commit('endpointslices', 'MODIFIED', { ...old, metadata: { ...old.metadata }, endpoints: sb.endpoints, ports: sb.ports });
        }
        wanted.set(`endpointslices/${fresh.metadata.name}`, svc);
      }
    }
    for (const res of ['endpoints', 'endpointslices']) {
      for (const o of this.list(res, ns)) {
        if (!wanted.has(`${res}/${o.metadata.name}`)) this.commit(res, 'DELETED', { ...o, metadata: { ...o.metadata } });
      }
    }
  }

  addService(spec: ServiceSpec): KubeObject {
    if (this.getService(spec.namespace, spec.name)) throw new Error(`emulator: service ${spec.namespace}/${spec.name} exists`);
    this.ensureNamespace(spec.namespace);
    const ip = spec.clusterIP ?? `10.96.${Math.floor(this.nextClusterIP / 256)}.${this.nextClusterIP++ % 256}`;
    return this.commit('services', 'ADDED', serviceObject(spec, ip, () => this.nextNodePortValue++));
  }

  patchService(namespace: string, name: string, patch: unknown): KubeObject {
    const out = this.patch('services', namespace, name, patch);
    if (!out) throw new Error(`emulator: no service ${namespace}/${name}`);
    return out;
  }

  deleteService(namespace: string, name: string): boolean {
    return this.deleteObject('services', namespace, name);
  }

  getService(namespace: string, name: string): KubeObject | undefined {
    return this.get('services', namespace, name);
  }

  listServices(namespace?: string): KubeObject[] {
    return this.list('services', namespace);
  }
}
