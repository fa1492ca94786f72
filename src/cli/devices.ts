/** tensorjet devices: the CPU, then every GPU the CUDA backend sees (or why there is none). */
import { cpuInfo, listGpus } from '../runtime/devices.js';
import { parseArgs, type CommandSpec } from './args.js';
import { formatBytes, table } from './format.js';

export const devicesSpec: CommandSpec = { usage: 'tensorjet devices [--json]', options: { json: 'boolean', verbose: 'boolean' } };

export async function devicesCommand(argv: string[], out: (s: string) => void): Promise<void> {
  const { options } = parseArgs(argv, devicesSpec);
  const cpu = cpuInfo();
  const { devices, reason } = await listGpus();
  if (options.json) {
    out(JSON.stringify({ devices: [cpu, ...devices], gpuUnavailableReason: reason }, null, 2));
    return;
  }
  const rows = [['device', 'name', 'arch', 'memory', 'free', 'cores']];
  rows.push([cpu.id, cpu.name, cpu.arch, formatBytes(cpu.memoryBytes), '', String(cpu.cores)]);
  for (const d of devices) rows.push([d.id, d.name, d.arch, formatBytes(d.memoryBytes), d.memoryFreeBytes === undefined ? '' : formatBytes(d.memoryFreeBytes), '']);
  out(table(rows));
  if (devices.length) out(`driver ${devices[0].driverVersion ?? '?'}, CUDA ${devices[0].cudaVersion ?? '?'}`);
  else out(`no GPU: ${reason ?? 'none found'}`);
}
