// tus-js-client's Node build exports FileUrlStorage, which its type definitions leave out.
import type { PreviousUpload, UrlStorage } from 'tus-js-client';

declare module 'tus-js-client' {
  export class FileUrlStorage implements UrlStorage {
    constructor(filePath: string);
    findAllUploads(): Promise<PreviousUpload[]>;
    findUploadsByFingerprint(fingerprint: string): Promise<PreviousUpload[]>;
    removeUpload(urlStorageKey: string): Promise<void>;
    addUpload(fingerprint: string, upload: PreviousUpload): Promise<string>;
  }
}
