import subgraphs from '../schemas/subgraphs.json';
import { DEFAULT_PORTS, LOCAL_SUBGRAPHS, loadScriptConfig } from '../scripts/config';

describe('the local run (npm start)', () => {
  it('when the composed subgraphs are compared with what npm start runs, then every one runs on the port its routing URL names', () => {
    const composed = subgraphs as Record<string, { url: string }>;
    expect(LOCAL_SUBGRAPHS.map((s) => s.name).sort()).toEqual(Object.keys(composed).sort());
    const ports = loadScriptConfig({}).ports;
    for (const [name, { url }] of Object.entries(composed)) {
      expect({ name, port: ports[name] }).toEqual({ name, port: Number(new URL(url).port) });
      expect(DEFAULT_PORTS[name]).toBe(ports[name]);
    }
  });

  it('when a port variable is set, then it overrides the default', () => {
    expect(loadScriptConfig({ MEDIATION_PORT: '5005' }).ports.mediation).toBe(5005);
    expect(() => loadScriptConfig({ RESIDENTS_PORT: 'x' })).toThrow('RESIDENTS_PORT');
  });
});
