/**
 * How the property-based tests run: at least 1,000 runs per property
 * (PROPERTY_RUNS for more), one seed per run of the suite (FC_SEED replays
 * one), and a failure that names the seed.
 */
import fc from 'fast-check';

export const RUNS = Math.max(1000, Number(process.env.PROPERTY_RUNS ?? 1000));
export const SEED = Number(process.env.FC_SEED ?? Date.now() % 2_147_483_647);

export async function assertProperty<T>(
  name: string,
  property: fc.IAsyncPropertyWithHooks<[T]> | fc.IPropertyWithHooks<[T]>,
): Promise<void> {
  try {
    await fc.assert(property as fc.IAsyncPropertyWithHooks<[T]>, { numRuns: RUNS, seed: SEED });
  } catch (error) {
    throw new Error(
      `${name}: property failed with seed ${SEED} (FC_SEED=${SEED} to replay)\n${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error,
      },
    );
  }
}
