/**
 * Before a run creates anything in a tier's cluster: the API answers, the user may create
 * and delete namespaces (SelfSubjectAccessReview), every mesh the variants need is installed
 * (its CRDs served and its injector or node proxy present), and nodes match the tier's
 * selectors with room to keep the load off the service's node. Each failure is one
 * EnvironmentError (exit 3) that says what is missing and how to fix it; preflight itself
 * only reads.
 */
import * as k8s from '@kubernetes/client-node';
import { EnvironmentError } from '../../errors.js';
import { apiErrorMessage, httpStatusOf, type KubeClients } from './kube-client.js';
import { meshRequirement } from './mesh-profiles.js';
import { effectiveKubernetesVariant, type KubernetesScenario, type KubernetesTier } from './kubernetes-scenario.js';

export interface PreflightFacts {
  serverVersion: string;
  serviceNodes: k8s.V1Node[];
  loadNodes: k8s.V1Node[];
}

const callTimeoutMs = 15_000;

/** Discovery by kind, as KubernetesObjectApi does it before applying a CRD object. */
class Discovery extends k8s.KubernetesObjectApi {
  served(apiVersion: string, kind: string): Promise<k8s.V1APIResource | undefined> {
    return this.resource(apiVersion, kind);
  }
}

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${callTimeoutMs / 1000} s (${what})`)), callTimeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function selectorText(selector: Record<string, string> | undefined): string | undefined {
  const entries = Object.entries(selector ?? {});
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(',') : undefined;
}

export async function preflight(clients: KubeClients, scenario: KubernetesScenario, tier: KubernetesTier): Promise<PreflightFacts> {
  const where = `context "${clients.context}" (${clients.server}) of tier ${tier.name}`;

  let serverVersion: string;
  try {
    const version = await withTimeout(clients.kc.makeApiClient(k8s.VersionApi).getCode(), 'GET /version');
    serverVersion = version.gitVersion;
  } catch (error) {
    const code = httpStatusOf(error);
    if (code === 401 || code === 403)
      throw new EnvironmentError(`the Kubernetes API of ${where} refused meshbench's credentials (HTTP ${code})`, 'check the user of this context (`kubectl auth whoami`)', { cause: error });
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as { code?: string }).code;
    throw new EnvironmentError(`cannot reach the Kubernetes API of ${where}: ${cause ?? apiErrorMessage(error)}`, 'is the cluster running, and is this the right context? (`kubectl cluster-info`)', { cause: error });
  }

  for (const verb of ['create', 'delete'] as const) {
    let review: k8s.V1SelfSubjectAccessReview;
    try {
      review = await withTimeout(clients.authz.createSelfSubjectAccessReview({ body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { verb, resource: 'namespaces' } } } }), 'SelfSubjectAccessReview');
    } catch (error) {
      throw new EnvironmentError(`cannot ask ${where} what meshbench may do: ${apiErrorMessage(error)}`, undefined, { cause: error });
    }
    if (!review.status?.allowed)
      throw new EnvironmentError(
        `meshbench may not ${verb} namespaces in ${where}${review.status?.reason ? ` (${review.status.reason})` : ''}; every run works in namespaces of its own`,
        'bind the meshbench ClusterRole from docs/kubernetes.md to this user',
      );
  }

  const problems: string[] = [];
  const discovery = clients.kc.makeApiClient(Discovery);
  const checked = new Set<string>();
  for (const declared of scenario.variants) {
    const variant = effectiveKubernetesVariant(scenario, declared);
    const requirement = meshRequirement(variant, !!(variant.policy || variant.destinationRule));
    if (!requirement) continue;
    const key = JSON.stringify(requirement);
    if (checked.has(key)) continue;
    checked.add(key);
    const missing: string[] = [];
    for (const [apiVersion, kinds] of Object.entries(requirement.apis)) {
      for (const kind of kinds) {
        try {
          if (!(await withTimeout(discovery.served(apiVersion, kind), `discovery of ${apiVersion}`))) missing.push(`${kind} (${apiVersion})`);
        } catch (error) {
          if (httpStatusOf(error) === 404) missing.push(`${kind} (${apiVersion})`);
          else throw new EnvironmentError(`cannot discover ${apiVersion} in ${where}: ${apiErrorMessage(error)}`, undefined, { cause: error });
        }
      }
    }
    if (requirement.injectorWebhooks.length) {
      const hooks = await withTimeout(clients.admission.listMutatingWebhookConfiguration(), 'list mutatingwebhookconfigurations').catch((error: unknown) => {
        throw new EnvironmentError(`cannot list the mutating webhooks of ${where} (to find the ${variant.mesh} injector): ${apiErrorMessage(error)}`, 'the meshbench ClusterRole in docs/kubernetes.md allows it', { cause: error });
      });
      if (!hooks.items.some((h) => requirement.injectorWebhooks.some((name) => h.metadata?.name?.includes(name)))) missing.push(`the injector (a MutatingWebhookConfiguration named like ${requirement.injectorWebhooks.join(' or ')})`);
    }
    if (requirement.daemonSetSelector) {
      const sets = await withTimeout(clients.apps.listDaemonSetForAllNamespaces({ labelSelector: requirement.daemonSetSelector }), 'list daemonsets').catch((error: unknown) => {
        throw new EnvironmentError(`cannot list DaemonSets in ${where}: ${apiErrorMessage(error)}`, undefined, { cause: error });
      });
      if (!sets.items.length) missing.push(`the node proxy (a DaemonSet labelled ${requirement.daemonSetSelector})`);
    }
    if (missing.length) problems.push(`variant ${variant.name} needs ${variant.mesh}, which is not installed in ${where}: missing ${missing.join(', ')}. Install it with: ${requirement.install}`);
  }

  const listNodes = async (selector: Record<string, string> | undefined) =>
    (await withTimeout(clients.core.listNode({ labelSelector: selectorText(selector) }), 'list nodes').catch((error: unknown) => {
      throw new EnvironmentError(`cannot list the nodes of ${where}: ${apiErrorMessage(error)}`, undefined, { cause: error });
    })).items;
  const serviceNodes = await listNodes(tier.nodeSelector);
  const loadNodes = await listNodes(tier.loadNodeSelector);
  if (!serviceNodes.length) problems.push(`no node in ${where} matches the tier's nodeSelector ${selectorText(tier.nodeSelector) ?? '(any)'}`);
  else if (!loadNodes.some((l) => serviceNodes.some((s) => s.metadata?.name !== l.metadata?.name)))
    problems.push(
      `the load needs a node other than the service's, and ${where} has ${loadNodes.length ? `only ${loadNodes.map((n) => n.metadata?.name).join(', ')}` : 'none'} matching loadNodeSelector ${selectorText(tier.loadNodeSelector) ?? '(any)'}`,
    );
  if (problems.length) throw new EnvironmentError(problems.join('\n'));
  return { serverVersion, serviceNodes, loadNodes };
}
