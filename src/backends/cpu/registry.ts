/** The CPU kernel registry: explicit, keyed by (domain, op type), refusing duplicates. */
import type { CpuKernel, KernelTable } from './kernel.js';
import { opKey as kernelKey } from '../../ir/graph.js';

export class KernelRegistry {
  private readonly kernels = new Map<string, { kernel: CpuKernel; family: string }>();

  addFamily(family: string, table: KernelTable): this {
    for (const [key, kernel] of Object.entries(table)) {
      const prev = this.kernels.get(key);
      if (prev) throw new Error(`CPU kernel '${key}' registered twice (families '${prev.family}' and '${family}')`);
      this.kernels.set(key, { kernel, family });
    }
    return this;
  }

  get(domain: string, opType: string): CpuKernel | undefined {
    return this.kernels.get(kernelKey(domain, opType))?.kernel;
  }

  has(domain: string, opType: string): boolean {
    return this.kernels.has(kernelKey(domain, opType));
  }

  /** (key, family) for every registered kernel, sorted: the source of the generated support matrix. */
  entries(): { key: string; family: string }[] {
    return [...this.kernels].map(([key, v]) => ({ key, family: v.family })).sort((a, b) => a.key.localeCompare(b.key));
  }
}
