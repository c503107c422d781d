export function seedInstances(cluster: unknown, n: number, opts: unknown): void {
  void cluster;
  void n;
  void opts;
}
