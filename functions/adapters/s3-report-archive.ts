/**
 * Post-incident reports in S3: `reports/<incident>/report.{md,html,json}` in
 * the reports bucket (private, versioned: a report drafted again keeps the
 * earlier one as a noncurrent version), each written with SSE-S3.
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { ReportArchive, ReportFile } from '../ports';
import { awsCall } from './aws-errors';

export interface S3ReportArchiveOptions {
  bucket: string;
  client?: S3Client;
  region?: string;
  forcePathStyle?: boolean;
}

/** The key prefix of an incident's report: the only prefix Close Incident may write to. */
export const reportPrefix = (incidentId: string): string => `reports/${encodeURIComponent(incidentId)}/`;

export class S3ReportArchive implements ReportArchive {
  private readonly client: S3Client;
  private readonly bucket: string;

  constructor(options: S3ReportArchiveOptions) {
    this.bucket = options.bucket;
    this.client =
      options.client ??
      new S3Client({
        ...(options.region ? { region: options.region } : {}),
        forcePathStyle: options.forcePathStyle ?? false,
      });
  }

  async storeReport(incidentId: string, files: ReportFile[]): Promise<{ location: string }> {
    const prefix = reportPrefix(incidentId);
    for (const file of files) {
      await awsCall(`S3 PutObject (report ${file.name})`, () =>
        this.client.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: `${prefix}${file.name}`,
            Body: file.body,
            ContentType: file.contentType,
            ServerSideEncryption: 'AES256',
          }),
        ),
      );
    }
    return { location: this.locationOf(incidentId) };
  }

  locationOf(incidentId: string): string {
    return `s3://${this.bucket}/${reportPrefix(incidentId)}`;
  }
}
